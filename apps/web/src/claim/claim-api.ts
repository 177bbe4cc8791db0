import type { ClaimLinkView, MyTicketView, TransferLinkView } from '@fanmesh/protocol';
import { getJson, postJson } from '../api/client';

/** The token rides in the body, never in an API URL, so no access log ever holds it. */
export const claimApi = {
  lookup: (token: string) => postJson<ClaimLinkView>('/api/v1/claim-links/lookup', { token }),
  claim: (token: string) => postJson<MyTicketView>('/api/v1/claim-links/claim', { token }),
  mine: () => getJson<MyTicketView[]>('/api/v1/tickets/mine'),
  transferLink: (ticketId: string) => postJson<TransferLinkView>(`/api/v1/tickets/${ticketId}/transfer-links`),
};
