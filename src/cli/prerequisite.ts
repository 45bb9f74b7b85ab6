// A missing prerequisite (no hwsim0, an unreadable key, an unresolvable peer): the agent logs the
// message, one sentence saying what to do, and exits 1.

export class PrerequisiteError extends Error {}
