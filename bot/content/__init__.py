"""Seller-editable content: intent phrases (``intents/``) and reply templates (``replies/``)."""
