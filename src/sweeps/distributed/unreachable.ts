/** Redis is not there (refused, unknown host, no answer, wrong password). Its own module: the CLI's error report names it without loading the Redis client. */
export class QueueUnreachable extends Error {}
