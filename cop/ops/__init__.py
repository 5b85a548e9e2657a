"""Operations: what Copse tells its operator (request ids, JSON logs, probes, Prometheus
metrics) and what keeps several processes from stepping on each other (one beat, periodic
tasks that never overlap)."""
