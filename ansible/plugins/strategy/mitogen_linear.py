# Ansible's linear strategy, run over Mitogen when it is installed.
#
# A playbook run is mostly small modules (a template, a stat, a service),
# and plain Ansible pays for each one with a new Python process on the host
# that unpacks the module and imports Ansible's module_utils again: about
# 0.2 to 0.4 s a task here. Mitogen keeps one Python per host (and per
# become user) for the whole run and sends it the modules, which cut a
# no-op run of site.yml from 52 s to 22 s (issue 9).
#
# scripts/deploy's virtualenv has Mitogen (ansible/requirements.txt). An
# Ansible without it runs the same play with the plain linear strategy,
# after a warning; so does ANSIBLE_STRATEGY=linear, when Mitogen is suspect.
from ansible.utils.display import Display

try:
    import ansible_mitogen.affinity
    from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule

    # No CPU pinning. Mitogen pins its own processes to CPUs and everything
    # they start to every CPU but the first (on 2 cores: the second only). A
    # service started by an init script (no systemd: this build machine, a
    # local run) is their child and would keep that mask for its lifetime:
    # the whole stack served from one core of two, half the site's
    # throughput. Every later call looks the policy up here, so the base
    # class, which does nothing, switches pinning off everywhere.
    ansible_mitogen.affinity.policy = ansible_mitogen.affinity.Policy()
except ImportError as error:
    Display().warning(
        f"Mitogen is not installed ({error}): the play runs with Ansible's "
        "linear strategy, which is slower. scripts/deploy installs it."
    )
    from ansible.plugins.strategy.linear import StrategyModule

__all__ = ["StrategyModule"]
