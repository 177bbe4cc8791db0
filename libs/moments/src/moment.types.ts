/** The kinds of match moment the platform detects and attests (the wire contract's list). */
export { MOMENT_KINDS } from '@fanmesh/protocol';
export type { MomentKind } from '@fanmesh/protocol';

/**
 * A confirmed moment: the payload of the `moments.confirmed` domain event (drops fire on it,
 * rewards pay presence for it) and what MomentDirectory.confirmed answers.
 */
export type { ConfirmedMoment } from '@fanmesh/directory';
