/** What `npm run server -- --help` prints: every flag, one line each, with its default. */
export const USAGE = `usage: npm run server -- --data DIR [flags]

  --data DIR                 the server's folder: TLS key and certificate, assets, outbox, and
                             (with SQLite) the database file cairn.db (required)
  --database postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=require]
                             keep the store in this PostgreSQL database instead of DIR/cairn.db
                             (migrated on start; default: SQLite in the data folder). See
                             docs/operations.md, "Database". Several server processes may share
                             one PostgreSQL database and one data folder ("Several instances")
  --database-pool N          PostgreSQL connections per server process (default 10; each
                             instance also holds one more for LISTEN)
  --durability full|normal   SQLite only: fsync every commit (full, default) or survive only
                             process crashes (normal). PostgreSQL's is its own synchronous_commit
  --host ADDRESS             listen address (default 127.0.0.1)
  --port N                   HTTPS port, 0 picks one (default 8443)
  --domain D                 the federation domain of users (default cairn.test)
  --tls-key FILE --tls-cert FILE
                             use this key and certificate instead of DIR/tls/
  --next-pin sha256/…        a pin of the key presented after the next rotation (repeatable)
  --smtp-url smtps://… --smtp-from ADDRESS
                             send mail (default: files in DIR/outbox/)
  --max-asset-bytes N        largest upload
  --password-hash scrypt|argon2id
                             how new passwords are hashed (default scrypt)
  --hash-workers N --hash-queue N
                             password hashing threads and queued checks
  --metrics-port N [--metrics-host H]
                             operator listener with GET /metrics and GET /health
  --trust-proxy ADDRESS      a load balancer (repeatable) whose X-Forwarded-For names the client
                             address that sign-in limits count (deploy/haproxy/cairn.cfg)
  --policy FILE              the administrator's policy (default DIR/policy.json)
  --turn-url turn:… (repeatable) --turn-secret S | --turn-secret-file FILE
                             an existing coturn; --no-turn for none
  --sft-url https://… (repeatable) --sft-secret S [--sft-admin-key K] [--sft-pin sha256/…]
                             existing Janus SFUs for conference calls
  --local-sft auto|on|off [--sft-interface NAME] [--sft-rtp-ports A-B] [--sft-https-ip ADDRESS]
                             a Janus started beside the server (default auto)
  -h, --help                 this text

Details: server/README.md and docs/operations.md.
`;
