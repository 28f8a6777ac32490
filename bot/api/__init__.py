"""HTTP adapters (aiohttp): the order-event API, health check and Telegram webhook."""
