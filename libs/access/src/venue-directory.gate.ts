/**
 * A scanner names only its gate, so access must find a gate's venue and sections from the gate id,
 * and libs/directory's VenueDirectory has no such question yet. Until it is declared there (it
 * belongs in libs/directory/src/venue.directory.ts), this declares the one method access asks; the
 * venues context implements it (VenuesService.gate).
 */
declare module '@fanmesh/directory' {
  interface VenueDirectory {
    /** One gate with its venue and the sections it serves; undefined for an unknown id. */
    gate(id: string): Promise<{ id: string; venueId: string; code: string; name: string; sectionCodes: string[] } | undefined>;
  }
}

export {};
