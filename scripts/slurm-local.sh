#!/usr/bin/env bash
# A one-node Slurm cluster on this Debian machine, for trying `--executor slurm` and for CI.
#
#   sudo scripts/slurm-local.sh install   # apt-get install slurm-wlm munge (once)
#   sudo scripts/slurm-local.sh up        # write slurm.conf, start munged, slurmctld, slurmd
#   sudo scripts/slurm-local.sh down      # stop them
#
# MAX_ARRAY_SIZE (default 1001, Slurm's own default) caps job-array indices; CI sets it small so
# that the pipeline's array splitting is exercised with a handful of tasks.
set -euo pipefail

MAX_ARRAY_SIZE="${MAX_ARRAY_SIZE:-1001}"
CONF_DIR=/etc/slurm
LOG_DIR=/var/log/slurm

install() {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- /usr/sbin/munged
  fi
  munge -n | unmunge >/dev/null  # the key works
}

write_conf() {
  local host node
  host=$(hostname -s)
  # slurmd -C reports this machine's real CPUs and memory in slurm.conf syntax; a node line
  # that claims more than the machine has keeps the node from coming up.
  node=$(slurmd -C | head -n 1)
  mkdir -p "$CONF_DIR" "$LOG_DIR" /var/spool/slurmctld /var/spool/slurmd
  cat > "$CONF_DIR/slurm.conf" <<CONF
ClusterName=thresher-local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
# No cgroups: containers and small VMs often cannot delegate them.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
# A job whose dependency failed is cancelled rather than left pending forever.
SchedulerParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MaxArraySize=$MAX_ARRAY_SIZE
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

up() {
  start_munge
  write_conf
  pkill -x slurmctld || true
  pkill -x slurmd || true
  sleep 1
  /usr/sbin/slurmctld -c   # -c: a fresh state, no jobs left from an earlier cluster
  /usr/sbin/slurmd
  for _ in $(seq 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      echo "Slurm is up: $(sinfo -h -o '%P %D %T %c')"
      return 0
    fi
    sleep 1
  done
  echo "Slurm did not come up; see $LOG_DIR/slurmctld.log and $LOG_DIR/slurmd.log" >&2
  sinfo >&2 || true
  return 1
}

down() {
  pkill -x slurmd || true
  pkill -x slurmctld || true
  echo "Slurm stopped"
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  *) echo "usage: $0 install|up|down" >&2; exit 2 ;;
esac
