/**
 * Times as the venue's clock shows them (its IANA time zone, with the zone's short name), whatever
 * the phone's own zone is: a steward from abroad and the turnstiles agree on "14:03". Without a
 * zone (or an unknown one) the phone's own clock is used.
 */
export function venueTime(iso: string, timeZone?: string, style: 'time' | 'datetime' = 'time'): string {
  const options: Intl.DateTimeFormatOptions =
    style === 'time' ? { hour: '2-digit', minute: '2-digit' } : { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  const date = new Date(iso);
  try {
    return date.toLocaleString(undefined, { ...options, ...(timeZone ? { timeZone, timeZoneName: 'short' } : {}) });
  } catch {
    return date.toLocaleString(undefined, options); // an unknown zone: the phone's clock
  }
}
