# Build stage: a virtual environment with the runtime dependencies from pyproject.toml.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml ./
RUN python -m venv /opt/venv \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > requirements.txt \
 && /opt/venv/bin/pip install -r requirements.txt

# Runtime stage: the venv and the source, run as an unprivileged user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_PATH=/data/hotline.sqlite3 \
    MPLCONFIGDIR=/tmp/matplotlib
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin hotline \
 && mkdir -p /data && chown hotline /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
USER hotline
VOLUME ["/data"]
# Healthy while the bot's event loop keeps touching its heartbeat file (every 30 s).
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 \
  CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot", "run"]
