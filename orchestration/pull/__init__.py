"""Live pulls: DigiKey, Mouser and Nexar responses for the watchlist, written into the landing tree.

- `credentials`: keys from the environment only, and redaction of every secret from text;
- `tokens`: OAuth2 client-credentials tokens cached under DAGSTER_HOME (mode 0600);
- `http`: one httpx client per source, the per-minute rate limit and tenacity retries;
- `providers`: each provider's requests, batch size and error shapes;
- `planner`: which watched parts to pull tonight within the quotas (pure);
- `runner`: the pull itself: files under feeds/<source>/<date>/, `raw.pull_log`, resume.
"""
