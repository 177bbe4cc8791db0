export { anvilDevKey, deployAll, OutboxSender, startAnvil } from '@fanmesh/chain';
export type { Anvil, Failpoint } from '@fanmesh/chain';
export { Outbox1764000000301 as Outbox1764000000301Ref } from '../../libs/chain/src/migrations/1764000000301-outbox';
