import { EventList } from './components/EventList';

export function App() {
  return (
    <>
      <header className="topbar">
        <img src="/icons/icon.svg" alt="" width={32} height={32} />
        <span className="brand">FanMesh</span>
      </header>
      <main>
        <h1>Upcoming matches</h1>
        <EventList />
      </main>
    </>
  );
}
