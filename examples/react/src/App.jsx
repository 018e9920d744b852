import { useState } from 'react';
import { Link, Route, Routes } from 'react-router-dom';
import { useShirube } from './useShirube.js';
import { spec } from './spec.js';

const user = { id: 'react-user', traits: { plan: 'free' } };

function Home({ sb }) {
  const [n, setN] = useState(0);
  return (
    <section>
      <h1>Home</h1>
      <button data-tour="counter" onClick={() => { setN(n + 1); sb && sb.track('counted'); }}>Count: {n}</button>
    </section>
  );
}

function Reports() {
  return (
    <section>
      <h1>Reports</h1>
      <div data-tour="chart" className="chart">A chart</div>
    </section>
  );
}

export function App() {
  const sb = useShirube({ spec, user });
  return (
    <div className="app">
      <nav>
        <Link to="/">Home</Link> <Link to="/reports" data-tour="reports-link">Reports</Link>
      </nav>
      <Routes>
        <Route path="/" element={<Home sb={sb} />} />
        <Route path="/reports" element={<Reports />} />
      </Routes>
    </div>
  );
}
