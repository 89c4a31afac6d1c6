/** Version of the client/server HTTP API. Bumped on any incompatible change to `protocol/`. */
export const API_VERSION = 1;
