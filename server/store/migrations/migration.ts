/** A forward-only schema step. Never edit one that has landed; add the next number instead. */
export type Migration = Readonly<{ name: string; sql: string }>;
