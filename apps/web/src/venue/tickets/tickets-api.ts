import type { EventView, ImportedTicketsView, TicketImportView } from '@fanmesh/protocol';
import { getJson, getText, postJson } from '../../api/client';

/** The file's bytes as base64: the server checks the encoding itself, so the browser must not decode it first. */
export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export const ticketsApi = {
  events: (venueId?: string) => getJson<EventView[]>(`/api/v1/events${venueId ? `?venueId=${venueId}` : ''}`),
  import: (eventId: string, file: string, dryRun: boolean) => postJson<TicketImportView>(`/api/v1/events/${eventId}/tickets/import`, { file, dryRun }),
  links: (eventId: string) => getJson<ImportedTicketsView>(`/api/v1/events/${eventId}/claim-links`),
  exportCsv: (eventId: string) => getText(`/api/v1/events/${eventId}/claim-links/export`),
};
