// Starts GraphiQL. A file of its own: the page's Content-Security-Policy
// allows scripts from the hub only, never inline ones.
'use strict';
const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultHeaders:
      '{\n  "Authorization": "Bearer PASTE-A-DEMO-TOKEN",\n  "X-Purpose-Of-Use": "DIRECT_SUPPORT"\n}',
    defaultQuery: '{ me { subject roles children { id identity { givenName familyName } } } }',
  }),
);
