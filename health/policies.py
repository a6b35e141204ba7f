"""Who may see and change health data (SPEC §3): every role reads; the CPO writes."""

from accounts.permissions import ModelPolicy
from accounts.roles import Role


class HealthPolicyPolicy(ModelPolicy):
    """The health policy: the CPO edits it (in the admin and the API)."""

    write_roles = (Role.CPO,)
    admin_roles = (Role.CPO,)


class SnapshotPolicy(ModelPolicy):
    """Snapshots and runs are written by the engine only; the CPO browses them."""

    write_roles = ()
    admin_roles = (Role.CPO,)


health_policy_policy = HealthPolicyPolicy()
snapshot_policy = SnapshotPolicy()
