import type {
  AcceptedInviteView,
  CreatedInviteView,
  EventStatus,
  EventView,
  GateView,
  InviteLookupView,
  InviteRole,
  InviteView,
  OperatorInviteView,
  PollView,
  SeatMap,
  SensorTrustView,
  SectionImportView,
  SectionView,
  SponsorView,
  VenueSummaryView,
  VenueView,
} from '@fanmesh/protocol';
import { deleteJson, getJson, patchJson, postJson, putJson } from '../api/client';

const v = (venueId: string) => `/api/v1/venues/${venueId}`;

export type NewSection = Omit<SectionView, 'id' | 'seatMap'>;
export type NewGate = Omit<GateView, 'id'>;
export interface GrantView {
  id: string;
  address: string;
  role: string;
  venueId: string | null;
}
export interface NewPoll {
  venueId: string;
  eventId: string;
  question: string;
  options: string[];
  opensAt?: string;
  closesAt: string;
  eligibility: 'holders' | 'checked_in' | 'both';
  weighting: 'one_per_fan' | 'token_balance';
}

/** The venue console's one client: venues and their set-up, events and their lifecycle, people, sponsors, polls. */
export const venueApi = {
  venues: () => getJson<VenueSummaryView[]>('/api/v1/venues'),
  venue: (id: string) => getJson<VenueView>(v(id)),
  createVenue: (body: { name: string; city: string; timezone: string }) => postJson<VenueView>('/api/v1/venues', body),
  updateVenue: (id: string, body: Partial<{ name: string; city: string; timezone: string }>) => patchJson<VenueView>(v(id), body),
  addSection: (id: string, section: NewSection) => postJson<VenueView>(`${v(id)}/sections`, { sections: [section] }),
  updateSection: (id: string, code: string, body: Partial<Omit<NewSection, 'code'>>) => patchJson<VenueView>(`${v(id)}/sections/${code}`, body),
  setSeatMap: (id: string, code: string, map: SeatMap) => putJson<VenueView>(`${v(id)}/sections/${code}/seat-map`, map),
  removeSeatMap: (id: string, code: string) => deleteJson<VenueView>(`${v(id)}/sections/${code}/seat-map`),
  importSections: (id: string, csv: string, dryRun: boolean) => postJson<SectionImportView>(`${v(id)}/sections/import`, { csv, dryRun }),
  addGate: (id: string, gate: NewGate) => postJson<VenueView>(`${v(id)}/gates`, { gates: [gate] }),
  updateGate: (id: string, code: string, body: Partial<Omit<NewGate, 'code'>>) => patchJson<VenueView>(`${v(id)}/gates/${code}`, body),

  events: (venueId: string) => getJson<EventView[]>(`/api/v1/events?venueId=${venueId}`),
  createEvent: (body: { venueId: string; name: string; homeTeam?: string; awayTeam?: string; startsAt: string }) => postJson<EventView>('/api/v1/events', body),
  transition: (eventId: string, to: EventStatus, expectedVersion: number) => postJson<EventView>(`/api/v1/events/${eventId}/transitions`, { to, expectedVersion }),
  closeEpoch: (eventId: string) => postJson<{ id: string }>(`/api/v1/events/${eventId}/epochs/close`, {}),

  operatorInvite: () => getJson<OperatorInviteView>('/api/v1/invites/operator'),
  acceptOperatorInvite: () => postJson<{ address: string; alreadyAccepted: boolean }>('/api/v1/invites/operator/accept', {}),
  invites: (venueId: string) => getJson<InviteView[]>(`${v(venueId)}/invites`),
  createInvite: (venueId: string, body: { role: InviteRole; label?: string; ttlHours?: number }) => postJson<CreatedInviteView>(`${v(venueId)}/invites`, body),
  withdrawInvite: (venueId: string, id: string) => deleteJson<void>(`${v(venueId)}/invites/${id}`),
  lookupInvite: (token: string) => postJson<InviteLookupView>('/api/v1/invites/lookup', { token }),
  acceptInvite: (token: string) => postJson<AcceptedInviteView>('/api/v1/invites/accept', { token }),
  roles: (venueId: string) => getJson<GrantView[]>(`${v(venueId)}/roles`),
  revokeRole: (venueId: string, address: string, role: string) => deleteJson<void>(`${v(venueId)}/roles/${address}/${role}`),

  sponsors: (venueId: string) => getJson<SponsorView[]>(`/api/v1/sponsors?venueId=${venueId}`),
  sensorTrust: (venueId: string) => getJson<SensorTrustView[]>(`${v(venueId)}/sensor-trust`),
  approveSensor: (venueId: string, device: string) => postJson<SensorTrustView>(`${v(venueId)}/sensors/${device}/approval`),
  withdrawSensorApproval: (venueId: string, device: string) => deleteJson<SensorTrustView>(`${v(venueId)}/sensors/${device}/approval`),
  createSponsor: (venueId: string, name: string) => postJson<{ id: string }>('/api/v1/sponsors', { venueId, name }),
  createSponsorKey: (sponsorId: string) => postJson<{ id: string; key: string; prefix: string }>(`/api/v1/sponsors/${sponsorId}/keys`, {}),
  revokeSponsorKey: (sponsorId: string, keyId: string) => deleteJson<void>(`/api/v1/sponsors/${sponsorId}/keys/${keyId}`),

  polls: (eventId: string) => getJson<PollView[]>(`/api/v1/events/${eventId}/polls`),
  createPoll: (body: NewPoll) => postJson<PollView>('/api/v1/polls', body),
  openPoll: (id: string) => postJson<PollView>(`/api/v1/polls/${id}/open`, {}),
  closePoll: (id: string) => postJson<PollView>(`/api/v1/polls/${id}/close`, {}),
};
