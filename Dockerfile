FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 curl \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 retrain
WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY clinic clinic
COPY patients patients
COPY sessions sessions
COPY signal_core signal_core
COPY edge_agent edge_agent
COPY manage.py ./
RUN pip install --no-cache-dir -c constraints.txt . \
    && DJANGO_ENV=production SECRET_KEY=build-only TOKEN_HASH_KEY=build-only ALLOWED_HOSTS=build \
       DATABASE_URL=postgres://build/build REDIS_URL=redis://build:6379/0 \
       python manage.py collectstatic --noinput -v0
USER retrain
EXPOSE 8000
CMD ["uvicorn", "clinic.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*"]
