import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { Layout } from './components/layout';
import { Loading } from './components/states';
import { LiveProvider, SessionProvider, useSession } from './session';

// every page is its own chunk: the first page loads only the shell, sign-in and the overview (uPlot with it)
const SignIn = lazy(() => import('./pages/sign-in'));
const Home = lazy(() => import('./pages/home'));
const Overview = lazy(() => import('./pages/overview'));
const Campaigns = lazy(() => import('./pages/campaigns'));
const Campaign = lazy(() => import('./pages/campaign'));
const Alerts = lazy(() => import('./pages/alerts'));
const AlertDetail = lazy(() => import('./pages/alert-detail'));
const AlertRules = lazy(() => import('./pages/alert-rules'));
const Automation = lazy(() => import('./pages/automation'));
const Pipeline = lazy(() => import('./pages/pipeline'));
const NotFound = lazy(() => import('./pages/not-found'));

/** The advertiser in the path, if any (/advertisers/:advertiserId/…). */
export function advertiserOfPath(path: string): string | undefined {
  const m = /^\/advertisers\/([^/]+)/.exec(path);
  return m ? decodeURIComponent(m[1]) : undefined;
}

function Routes() {
  const { session } = useSession();
  const { path, url, route } = useLocation();
  const signingIn = path === '/sign-in';
  useEffect(() => {
    if (session === null && !signingIn) route(`/sign-in?next=${encodeURIComponent(url)}`, true);
  }, [session, signingIn, url]);
  if (session === undefined) return <Loading what="Checking the key" />;
  if (session === null && !signingIn) return <Loading what="Signing in" />;
  const advertiserId = advertiserOfPath(path);
  return (
    <LiveProvider advertiserId={advertiserId}>
      <Layout advertiserId={advertiserId} bare={signingIn}>
        <ErrorBoundary>
          <Router>
            <Route path="/sign-in" component={SignIn} />
            <Route path="/" component={Home} />
            <Route path="/advertisers/:advertiserId" component={Overview} />
            <Route path="/advertisers/:advertiserId/campaigns" component={Campaigns} />
            <Route path="/advertisers/:advertiserId/campaigns/:campaignId" component={Campaign} />
            <Route path="/advertisers/:advertiserId/alerts" component={Alerts} />
            <Route path="/advertisers/:advertiserId/alerts/:alertId" component={AlertDetail} />
            <Route path="/advertisers/:advertiserId/alert-rules" component={AlertRules} />
            <Route path="/advertisers/:advertiserId/automation" component={Automation} />
            <Route path="/pipeline" component={Pipeline} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </Layout>
    </LiveProvider>
  );
}

export function App() {
  return (
    <LocationProvider>
      <SessionProvider>
        <Routes />
      </SessionProvider>
    </LocationProvider>
  );
}
