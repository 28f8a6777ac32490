# Parley in a container (README: "Running several workers"; compose.yaml runs two of these on
# PostgreSQL behind Caddy). Build: docker build -t parley .
#
# Stage 1 builds Parley's wheel: intents/, replies/ and followups.toml go inside it as
# bot/_content (pyproject.toml, [tool.hatch.build.targets.wheel.force-include]), which is
# where the installed package looks for them (bot/content/paths.py), so the image needs no
# checkout. Stage 2 installs the wheel alone: no compiler, no dev tools, no source tree.
ARG PYTHON=3.12

FROM python:${PYTHON}-slim AS build
WORKDIR /src
COPY pyproject.toml README.md followups.toml ./
COPY bot/ bot/
COPY intents/ intents/
COPY replies/ replies/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:${PYTHON}-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PARLEY_API_HOST=0.0.0.0 \
    PARLEY_API_PORT=8080 \
    PARLEY_CACHE_DIR=/home/parley/.cache/parley
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin parley \
    && install -d -o parley -g parley /home/parley/.cache/parley
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER parley
WORKDIR /home/parley
EXPOSE 8080
# /healthz answers 200 while the database answers and can be written, 503 otherwise (urlopen
# raises on a 503, so the check fails). The HTTP server runs in webhook mode, or with
# PARLEY_API_TOKEN / PARLEY_METRICS_TOKEN set; the first start trains the intent engine.
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PARLEY_API_PORT', '8080'), timeout=4)"]
ENTRYPOINT ["parley"]
# One container on long polling. Several workers need webhook mode, as compose.yaml runs them:
#   parley run --webhook https://<public host>/tg/hook
# (a worker on long polling removes the webhook the others registered).
CMD ["run"]
