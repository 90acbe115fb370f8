#!/usr/bin/env bash
# `make fuzz`: Schemathesis against a live Banso on loopback, failing on any
# server error (5xx). A fresh database of its own (dropped and created),
# migrated, with the reference and demo data; gunicorn on 127.0.0.1 at a free
# port; a token of a demo account issued by the accounts service (not through
# the token endpoint, so the run needs no second factor). Bounded: a few
# examples per operation and a wall-clock budget. Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
FUZZ_DATABASE_URL=${FUZZ_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/banso_fuzz}
FUZZ_REDIS_URL=${FUZZ_REDIS_URL:-redis://127.0.0.1:6379/13}
FUZZ_ACCOUNT=${FUZZ_ACCOUNT:-secretariat@cao.example.go.jp}
FUZZ_MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-10}
FUZZ_MAX_SECONDS=${FUZZ_MAX_SECONDS:-240}   # Schemathesis' own budget
FUZZ_HARD_SECONDS=$((FUZZ_MAX_SECONDS + 120)) # then it is stopped whatever it does
OUT=${FUZZ_OUT:-var/fuzz}
mkdir -p "$OUT"

export DATABASE_URL=$FUZZ_DATABASE_URL REDIS_URL=$FUZZ_REDIS_URL
export DJANGO_SETTINGS_MODULE=config.settings.base BANSO_CACHE_PREFIX=banso-fuzz
export BANSO_VAR_DIR="$PWD/$OUT/var" BANSO_OUTBOX_RELAY_SECONDS=0

case "$FUZZ_DATABASE_URL" in
  postgres://*@127.0.0.1:*|postgres://*@localhost:*) ;;
  *) echo "fuzz: the database must be on loopback ($FUZZ_DATABASE_URL)" >&2; exit 2 ;;
esac

# A fresh database: drop and create it (never the one the suite or `make run` uses).
"$BIN/python" - <<'PY'
import os
from urllib.parse import urlsplit

import psycopg

url = urlsplit(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
assert name and name.replace("_", "").isalnum(), name
admin = url._replace(path="/postgres").geturl()
with psycopg.connect(admin, autocommit=True) as connection:
    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.execute(f'CREATE DATABASE "{name}"')
PY
"$BIN/python" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
"$BIN/python" manage.py migrate --no-input -v 0
"$BIN/python" manage.py load_reference_data -v 0
"$BIN/python" manage.py seed_demo -v 0 >/dev/null
# Something to read, transfer and answer: a few consultations filed through the
# services; the operations on one consultation or notification use these ids
# (scripts/schemathesis.toml).
read -r FUZZ_CONSULTATION_ID FUZZ_NOTIFICATION_ID < <("$BIN/python" manage.py shell -c "
from accounts.models import User
from consult import services
from notifications.models import Notification
staff = User.objects.get(email='staff@matsumoto.example.lg.jp')
liaison = User.objects.get(email='liaison@kanto.maff.example.go.jp')
me = User.objects.get(email='$FUZZ_ACCOUNT')
first = None
for index, area in enumerate(['smart-agri', 'smart-agri', 'other']):
    filed = services.file_consultation(actor=staff, title=f'試験{index}', body='確認のための相談です', policy_area=area).consultation
    first = first or filed
    if filed.primary_office_id:
        services.post_message(actor=liaison, consultation=filed, body='回答します @staff@matsumoto.example.lg.jp')
notification = Notification.objects.filter(recipient=me).order_by('id').first()
print(first.pk, notification.pk if notification else 1)
" | tail -1)
export FUZZ_CONSULTATION_ID FUZZ_NOTIFICATION_ID
TOKEN=$("$BIN/python" manage.py shell -c "
from accounts import services
from accounts.models import User
issued = services.issue_token(user=User.objects.get(email='$FUZZ_ACCOUNT'))
# A token object (key) or, with hashed tokens, (instance, key).
print(issued[1] if isinstance(issued, tuple) else getattr(issued, 'key', issued))
" | tail -1)

: >"$OUT/server.log"; : >"$OUT/access.log"
PORT=$("$BIN/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
BASE="http://127.0.0.1:$PORT"
"$BIN/gunicorn" config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --timeout 60 --graceful-timeout 5 \
  --error-logfile "$OUT/server.log" --capture-output --access-logfile "$OUT/access.log" >/dev/null 2>&1 &
SERVER=$!
stop() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 60); do
  "$BIN/python" -c "import urllib.request; urllib.request.urlopen('$BASE/api/schema/', timeout=2)" 2>/dev/null && break
  sleep 1
done

# The `st` command, with the modules its workers import lazily imported first:
# two threads compiling anyio's lazy imports at once trip CPython 3.11 ("AST
# constructor recursion depth mismatch").
ST='import sys, anyio, schemathesis.transport.asgi, schemathesis.transport.wsgi
from schemathesis.cli import schemathesis
sys.argv[0] = "st"
sys.exit(schemathesis())'
status=0
timeout --signal=INT --kill-after=15 "$FUZZ_HARD_SECONDS" \
  "$BIN/python" -c "$ST" --config-file scripts/schemathesis.toml run "$BASE/api/schema/" \
    --header "Authorization: Token $TOKEN" \
    --checks not_a_server_error \
    --max-examples "$FUZZ_MAX_EXAMPLES" \
    --max-time "$FUZZ_MAX_SECONDS" \
    --phases examples,coverage,fuzzing \
    --workers 2 \
    --request-timeout 30 \
    --seed "${FUZZ_SEED:-2026}" \
    --no-color \
    --report junit,ndjson --report-dir "$OUT/report" \
  | tee "$OUT/schemathesis.txt" || status=$?

requests=$(grep -c '"' "$OUT/access.log" || true)
errors=$(grep -cE '" 5[0-9]{2} ' "$OUT/access.log" || true)
echo "fuzz: $requests requests to the server, $errors answered 5xx (logs in $OUT)"
if [ "$errors" -ne 0 ] && [ "$status" -eq 0 ]; then status=1; fi
if [ "$status" -ne 0 ]; then
  echo "fuzz: Schemathesis exited $status; the server's tracebacks follow" >&2
  grep -A40 -E "Traceback|ERROR" "$OUT/server.log" | tail -200 >&2 || true
fi
exit "$status"
