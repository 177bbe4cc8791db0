/** A valid witness and a hotspot's epoch score: the coverage context's directory types. */
export type { HotspotScore, ValidWitness } from '@fanmesh/directory';
