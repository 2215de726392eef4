"""How Thresher's Slurm executor chains split arrays (no cluster needed for these)."""

import sys

from pipeline.slurm import ThresherSlurmExecutor, venv_activation


def executor(tmp_path, name, depends=None):
    return ThresherSlurmExecutor([], tasks=10, time="1:00:00", partition=None, logging_dir=str(tmp_path / name),
                                 slurm_logs_folder=str(tmp_path / name / "slurm"), max_array_size=4, depends=depends)


def test_next_job_waits_for_every_array_of_the_one_before(tmp_path):
    first = executor(tmp_path, "a")
    # What sbatch answers for the three arrays 10 tasks need under MaxArraySize=4.
    for job_id in ("101", "102", "103"):
        first.job_id = first._remember_job_id(f"Submitted batch job {job_id}")
    second = executor(tmp_path, "b", depends=first)
    second.upstream = list(first.submitted)
    assert second.dependency == "afterok:101:102:103"
    # datatrove's own rule would have waited for the last array only.
    second.job_id = second._remember_job_id("Submitted batch job 201")
    assert second.dependency == "afterok:101:102:103,afterany:201"


def test_no_partition_means_the_default_partition(tmp_path):
    args = executor(tmp_path, "a").get_sbatch_args(4)
    assert "partition" not in args and args["array"] == "0-3"


def test_jobs_activate_the_running_virtualenv():
    in_venv = sys.prefix != sys.base_prefix
    assert venv_activation() == (f"source {sys.prefix}/bin/activate" if in_venv else None)
