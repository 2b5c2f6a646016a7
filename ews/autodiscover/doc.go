// Package autodiscover finds the EWS endpoint of a mailbox from its e-mail
// address with Exchange Autodiscover, the way Microsoft documents it in
// "Autodiscover for Exchange":
//
//  1. SOAP (GetUserSettings on autodiscover.svc) and then POX (the Outlook
//     schema on autodiscover.xml) at https://<domain>/autodiscover/ and at
//     https://autodiscover.<domain>/autodiscover/;
//  2. the HTTP redirect method: an unauthenticated GET of
//     http://autodiscover.<domain>/autodiscover/autodiscover.xml whose 302
//     names the real Autodiscover server;
//  3. optionally, the DNS SRV record _autodiscover._tcp.<domain>, when the
//     Client has a Resolver.
//
// It follows HTTP 301/302 redirects and the redirectAddr/redirectUrl answers
// of both services, at most [DefaultMaxRedirects] times in all, never to a
// URL or address it has already tried, and only to HTTPS; credentials and
// requests go to HTTPS URLs only, and only HTTPS EWS URLs are returned
// (Client.AllowHTTP relaxes this for tests on loopback). Endpoint failures
// (HTTP errors, malformed or oversized answers) move on to the next
// candidate and are reported together in a [*NotFoundError]; errors that
// any endpoint would repeat, such as an unknown address, end the search
// with a [*ResponseError].
//
// What it deliberately does not do: it does not look up service connection
// points in Active Directory (Roomboard is not domain-joined), does not cache
// answers, retry, sleep, or prompt anyone before following a redirect (the
// caller decides what to trust by choosing the Client's settings), and it
// asks only for the EWS URLs, not the dozens of other user settings.
// Callers should store the URL it finds and use it directly afterwards;
// Autodiscover is a set-up step, not something to run before every request.
package autodiscover
