/** Any address the app does not know (a mistyped link, an old bookmark): says so, and the way home. */
export function NotFound({ what = 'page' }: { what?: string }) {
  return (
    <section aria-labelledby="not-found-title" className="not-found">
      <h1 id="not-found-title">Page not found</h1>
      <p>
        There is no {what} at <code>{location.pathname}</code>. The link may be mistyped or out of date.
      </p>
      <p>
        <a href="/">See the matches</a> · <a href="/tickets">My tickets</a>
      </p>
    </section>
  );
}
