# SupportPM application image: the web app (gunicorn + whitenoise), worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/var/lib/supportpm \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/supportpm supportpm \
    && mkdir -p /var/lib/supportpm && chown supportpm /var/lib/supportpm

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .

COPY . .
# collectstatic needs settings that import; the key is not used at build time.
RUN DEBUG=0 SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

USER supportpm
EXPOSE 8000
CMD ["gunicorn", "supportpm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
