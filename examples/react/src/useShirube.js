// A React hook around Shirube: starts it once per user and spec, destroys it on unmount (also
// under StrictMode's double effects), and routes `navigate` actions through React Router.
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Shirube } from 'shirube';

export function useShirube({ spec, user, locale, collector }) {
  const [sb, setSb] = useState(null);
  const navigate = useNavigate();
  const navRef = useRef(navigate);
  navRef.current = navigate;
  useEffect(() => {
    let alive = true;
    let instance = null;
    Shirube.init({ spec, user, locale, collector, navigate: (url) => navRef.current(url) }).then((s) => {
      if (alive) {
        instance = s;
        setSb(s);
      } else {
        s.destroy();
      }
    });
    return () => {
      alive = false;
      if (instance) instance.destroy();
      setSb(null);
    };
  }, [spec, user && user.id, locale]);
  return sb;
}
