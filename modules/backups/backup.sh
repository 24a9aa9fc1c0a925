# One logical backup of the day for one tier, run by a Serverless Job (image scaleway/cli: Alpine
# with busybox and /scw). POSIX sh. Every input comes from the environment, none is pasted in:
#   TIER, INSTANCE_ID (bare UUID), DATABASE_NAME, RETENTION_DAYS, WAIT_TIMEOUT (Go duration),
#   SCW_DEFAULT_REGION, SCW_DEFAULT_PROJECT_ID, SCW_ACCESS_KEY and SCW_SECRET_KEY (secret references).
# Exits 0 only when the backup of the day is `ready`, so a failed backup is a failed job run
# (serverless_job_run:state_failed, which the backup-failure alert watches). `scw rdb backup
# create --wait` is not enough: it exits 0 when the backup ends in `error` (scaleway-cli v2.61.0,
# SDK WaitForDatabaseBackup treats `error` as a final state).
# Retries (the job's retry policy, or a run after a timeout) never pile up backups: the day's
# backup is found by its exact name and reused while it is being made or once ready; a failed
# one is deleted before a new one is made.
set -eu
scw=${SCW:-/scw}
name="${TIER}-${TODAY:-$(date -u +%F)}"

# (Listed first, filtered after: a failed listing must stop the run, which a pipe would hide.)
listing=$("$scw" rdb backup list instance-id="$INSTANCE_ID" name="$name" \
  -o template='{{ .ID }} {{ .Status }} {{ .Name }}')
existing=$(printf '%s\n' "$listing" | awk -v n="$name" '$3 == n { print $1, $2 }')

id=""
while read -r backup status; do
  [ -n "$backup" ] || continue
  case $status in
    ready)
      echo "backup $name ($backup) is already ready"
      exit 0
      ;;
    error | unknown)
      echo "deleting the failed backup $name ($backup, $status)"
      "$scw" rdb backup delete "$backup" >/dev/null
      ;;
    *)
      echo "backup $name ($backup) is $status: waiting for it"
      id=$backup
      ;;
  esac
done <<EOF
$existing
EOF

if [ -z "$id" ]; then
  id=$("$scw" rdb backup create instance-id="$INSTANCE_ID" database-name="$DATABASE_NAME" \
    name="$name" expires-at="+${RETENTION_DAYS}d" -o template='{{ .ID }}')
  echo "created backup $name ($id), kept ${RETENTION_DAYS} days"
fi

# `wait` fails on its own timeout; the status below decides either way.
"$scw" rdb backup wait "$id" timeout="$WAIT_TIMEOUT" >/dev/null || true
status=$("$scw" rdb backup get "$id" -o template='{{ .Status }}')
if [ "$status" != ready ]; then
  echo "backup $name ($id) is $status, not ready" >&2
  exit 1
fi
echo "backup $name ($id) is ready"
