#!/usr/bin/env bash
# A one-node Slurm cluster on this Debian machine, for trying `--executor slurm` and for CI.
#
#   sudo scripts/slurm-local.sh install   # apt-get install slurm-wlm munge (once)
#   sudo scripts/slurm-local.sh up        # write slurm.conf, start munged, slurmctld, slurmd
#   sudo scripts/slurm-local.sh down      # stop them
#
# MAX_ARRAY_SIZE (default 1001, Slurm's own default) caps job-array indices; CI sets it small so
# that the pipeline's array splitting is exercised with a handful of tasks.
# NODES (default 1): how many Slurm nodes this machine pretends to be. Each is its own slurmd
# (`slurmd -N <host>-<i>`, its own port, spool directory and log) with this machine's CPUs and
# memory, so array tasks really are spread over nodes that share one filesystem, as on a cluster.
set -euo pipefail

MAX_ARRAY_SIZE="${MAX_ARRAY_SIZE:-1001}"
NODES="${NODES:-1}"
FIRST_PORT=17001
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

node_names() {
  local host i
  host=$(hostname -s)
  if [ "$NODES" -eq 1 ]; then echo "$host"; return; fi
  for i in $(seq "$NODES"); do echo "$host-$i"; done
}

write_conf() {
  local host hardware nodes="" i=0 name
  host=$(hostname -s)
  # slurmd -C reports this machine's real CPUs and memory in slurm.conf syntax; a node line
  # that claims more than the machine has keeps the node from coming up.
  hardware=$(slurmd -C | head -n 1 | sed 's/^NodeName=[^ ]* //')
  # Each node gets its share of the memory, so Slurm never places more than the machine has;
  # the CPUs stay the machine's (a node must report its real topology to come up).
  local memory
  memory=$(echo "$hardware" | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
  hardware=$(echo "$hardware" | sed "s/RealMemory=[0-9]*/RealMemory=$((memory / NODES))/")
  for name in $(node_names); do
    nodes+="NodeName=$name NodeHostname=$host NodeAddr=127.0.0.1 Port=$((FIRST_PORT + i)) $hardware State=UNKNOWN"$'\n'
    i=$((i + 1))
  done
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
# %n: each slurmd of this machine is a node of its own, with its own files.
SlurmdSpoolDir=/var/spool/slurmd/%n
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd-%n.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd-%n.log
${nodes}PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

up() {
  start_munge
  write_conf
  pkill -x slurmctld || true
  pkill -x slurmd || true
  sleep 1
  /usr/sbin/slurmctld -c   # -c: a fresh state, no jobs left from an earlier cluster
  for name in $(node_names); do
    mkdir -p "/var/spool/slurmd/$name"
    /usr/sbin/slurmd -N "$name"
  done
  for _ in $(seq 60); do
    if [ "$(sinfo -h -N -o '%N %T' 2>/dev/null | grep -cE ' (idle|mixed|allocated)$')" -ge "$NODES" ]; then
      echo "Slurm is up: $(sinfo -h -o '%P %D %T %c')"
      return 0
    fi
    sleep 1
  done
  echo "Slurm did not come up; see $LOG_DIR/slurmctld.log and $LOG_DIR/slurmd-*.log" >&2
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
