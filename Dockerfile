# One image for every Myndnet service; SERVICE chooses which one runs.
#   docker build -t myndnet . && docker run -e SERVICE=vacancies myndnet
FROM python:3.11-slim AS base
ENV PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY schemas schemas
COPY libs libs
COPY services services
RUN uv sync --locked --no-dev
ENV PATH=/app/.venv/bin:$PATH HOST=0.0.0.0
ARG SERVICE=membership
ENV SERVICE=${SERVICE}
CMD ["sh", "-c", "exec python -m myndnet_${SERVICE}"]
