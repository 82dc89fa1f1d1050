// The gateway's public URL (its --public-url), without a trailing slash. deploy/hubspot-app/configure.sh sets it,
// together with permittedUrls and the OAuth redirect URL in ../app-hsmeta.json.
export const GATEWAY_URL = 'https://gateway.example.com';
