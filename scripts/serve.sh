#!/usr/bin/env bash
# The production shape on one machine: gunicorn, a Celery worker and Celery beat.
# Each runs as its own process; stopping this script stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-cpo.settings.production}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WEB_WORKERS=${WEB_WORKERS:-2}

$PY/python manage.py migrate --noinput
$PY/python manage.py collectstatic --noinput -v0

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
$PY/gunicorn cpo.wsgi:application --bind "$HOST:$PORT" --workers "$WEB_WORKERS" \
  --no-control-socket --access-logfile - &
pids+=($!)
$PY/celery -A cpo worker --loglevel INFO --concurrency "${CELERY_CONCURRENCY:-2}" &
pids+=($!)
$PY/celery -A cpo beat --loglevel INFO --schedule "${CELERY_BEAT_SCHEDULE_FILE:-var/celerybeat-schedule}" &
pids+=($!)
echo "Serving on http://$HOST:$PORT/ (gunicorn ×$WEB_WORKERS, celery worker, celery beat)"
wait -n
