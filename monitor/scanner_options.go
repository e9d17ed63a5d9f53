package monitor

// Option configures a Scanner.
type Option func(*config)

type config struct {
	source     Source
	procRoot   string
	ownerRetry int
	namespaces *bool
	engines    *bool
	only       *portFilter // WithPort
}

// WithSource makes the scanner enumerate sockets with src instead of the
// platform's default (netlink with a /proc/net fallback on Linux, gopsutil
// elsewhere). Attribution still uses the platform's method.
func WithSource(src Source) Option { return func(c *config) { c.source = src } }

// WithNamespaces turns the listing of other network namespaces' listeners
// on or off. It is on by default, off when WithSource replaces the
// platform's source (a test's fake lists the whole world).
func WithNamespaces(on bool) Option { return func(c *config) { c.namespaces = &on } }

// WithEngines turns on or off asking the container engines' API sockets
// (Docker's, Podman's) for the ports they publish. On by default, off when
// WithSource replaces the platform's source.
func WithEngines(on bool) Option { return func(c *config) { c.engines = &on } }

// WithOwnerRetry sets after how many scans a socket whose owner no walk could
// find is looked for again by a full walk (default 300). New processes are
// always searched for it.
func WithOwnerRetry(scans int) Option { return func(c *config) { c.ownerRetry = scans } }
