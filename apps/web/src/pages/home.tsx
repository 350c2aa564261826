import { useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { Empty } from '../components/states';
import { useSession } from '../session';

/** `/`: the first advertiser's overview. */
export default function Home() {
  const { session } = useSession();
  const { route } = useLocation();
  const first = session?.advertisers[0]?.advertiserId;
  useEffect(() => {
    if (first) route(`/advertisers/${encodeURIComponent(first)}`, true);
  }, [first]);
  if (first) return null;
  return (
    <section>
      <h1>Overview</h1>
      <Empty>
        No advertiser has data yet. Once Marketing Stream delivers records (or the connector lists a profile) it appears
        here; meanwhile see the <a href="/pipeline">Pipeline</a>.
      </Empty>
    </section>
  );
}
