import type { Migration } from '../../migrations/migration';
import { migration0001 } from './0001-accounts';
import { migration0002 } from './0002-clients-and-keys';
import { migration0003 } from './0003-conversations';
import { migration0004 } from './0004-notifications';
import { migration0005 } from './0005-assets';
import { migration0006 } from './0006-conversation-log';
import { migration0007 } from './0007-leaf-indices';
import { migration0008 } from './0008-mls-signature-keys';
import { migration0009 } from './0009-message-post-keys';
import { migration0010 } from './0010-subconversations';
import { migration0011 } from './0011-chat-requests';
import { migration0012 } from './0012-shared-limits';

/**
 * PostgreSQL migrations, one for each SQLite migration with the same number and name, so a schema
 * version means the same tables in both stores. Applied in order; `cairn_schema.version` is the
 * number applied.
 */
export const PG_MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008, migration0009, migration0010, migration0011, migration0012];
