package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"portlight/data"
	"portlight/internal/statedir"
	"portlight/monitor/portinfo"
)

// IANARegistryURL is where IANA publishes the Service Name and Transport
// Protocol Port Number Registry as XML.
const IANARegistryURL = "https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xml"

// maxRegistryBytes bounds a download: the registry is ~4 MB today.
const maxRegistryBytes = 32 << 20

func init() {
	register("update-registry", runUpdateRegistry)
}

var updateRegistryHelp = `Downloads IANA's Service Name and Transport Protocol Port Number Registry
(XML, over https only), checks that it parses, holds a sane number of port
records, is not older than the registry Portlight uses now nor dated after
tomorrow, names no service on a range wider than the widest in IANA's
registry, and assigns at most ` + maxLossText + ` port and protocol pairs that the
built-in registry leaves unassigned; then it stores it in Portlight's state
folder ($PORTLIGHT_HOME, else ~/.config/portlight) as ` + portinfo.RegistryFile + `.
From then on every Portlight command and the tray app (within 10 seconds)
explain ports from it; the explainer names the registry's date. If anything
fails, nothing is stored and the registry in use stays as it was. A stored
file that gets damaged is ignored with a warning.

--dry-run checks the same and prints what the registry would change against
the built-in one (services added, removed and renamed, with examples), and
stores nothing.

This is the only Portlight command that uses the network, and only when you
run it.
`

func runUpdateRegistry(ctx context.Context, env Env) error {
	fs := newFlags("update-registry", env)
	src := fs.String("url", IANARegistryURL, "where to download the registry XML from (https only)")
	file := fs.String("file", "", "read the registry XML from this file instead of downloading it")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up a download after this long")
	dryRun := fs.Bool("dry-run", false, "check the registry and print what it would change; store nothing")
	fs.Usage = usage(fs, "update-registry")
	if help, err := parseFlags(fs, env.Args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("update-registry takes no arguments: %w", ErrUsage)
	}
	urlSet := false
	fs.Visit(func(f *flag.Flag) { urlSet = urlSet || f.Name == "url" })
	if urlSet && *file != "" {
		return fmt.Errorf("update-registry: give --url or --file, not both: %w", ErrUsage)
	}
	var (
		body   []byte
		source string
		err    error
	)
	if *file != "" {
		source = *file
		body, err = readFileLimited(*file, maxRegistryBytes)
	} else {
		source = *src
		if err := checkURL(source); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "Downloading %s ...\n", source)
		body, err = download(ctx, source, *timeout, maxRegistryBytes)
	}
	if err != nil {
		return err
	}
	dir, err := statedir.Dir()
	if err != nil {
		return err
	}
	cand, err := portinfo.CheckRegistry(dir, bytes.NewReader(body), source, time.Now())
	if err != nil {
		return fmt.Errorf("update-registry: %s: %w (nothing stored)", source, err)
	}
	if *dryRun {
		fmt.Fprintf(env.Stdout, "IANA's port registry of %s (%d port records) passed every check; nothing stored (--dry-run).\n",
			cand.Update.Date, cand.Update.Records)
		writeChange(env.Stdout, cand.Change)
		return nil
	}
	up, err := cand.Install()
	if err != nil {
		return fmt.Errorf("update-registry: %s: %w (nothing stored)", source, err)
	}
	fmt.Fprintf(env.Stdout, "Stored IANA's port registry of %s (%d port records) in %s.\n", up.Date, up.Records, up.Path)
	if up.Date == up.Previous {
		fmt.Fprintf(env.Stdout, "It has the same date as the registry Portlight used before.\n")
	} else {
		fmt.Fprintf(env.Stdout, "Portlight used the registry of %s before (built in: %s).\n", up.Previous, data.IANAUpdated)
	}
	fmt.Fprintln(env.Stdout, "Portlight explains ports from it from now on.")
	return nil
}

// maxLossText is data.MaxUnassignedLoss as the help text writes it.
var maxLossText = strconv.Itoa(data.MaxUnassignedLoss)

// writeChange prints what a registry changes against the built-in one.
func writeChange(w io.Writer, ch data.IANAChange) {
	fmt.Fprintf(w, "Against the built-in registry of %s:\n", data.IANAUpdated)
	for _, k := range []struct {
		what     string
		n        int
		examples []string
	}{{"added", ch.Added, ch.AddedExamples}, {"removed", ch.Removed, ch.RemovedExamples}, {"renamed", ch.Renamed, ch.RenamedExamples}} {
		fmt.Fprintf(w, "  %d services %s", k.n, k.what)
		if len(k.examples) > 0 {
			fmt.Fprintf(w, ", e.g. %s", strings.Join(k.examples, ", "))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  Unassigned port and protocol pairs (TCP and UDP, 0–49151): %d, now %d.\n", ch.UnassignedBefore, ch.UnassignedAfter)
}

// readFileLimited reads a file of at most limit bytes.
func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("update-registry: %w", err)
	}
	defer f.Close()
	return readLimited(f, path, limit)
}

// readLimited reads r, failing when it holds more than limit bytes.
func readLimited(r io.Reader, what string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("update-registry: read %s: %w (nothing stored)", what, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("update-registry: %s is larger than %d MiB, far more than IANA's registry (nothing stored)", what, limit>>20)
	}
	return b, nil
}

// checkURL accepts only absolute https URLs: over plain http anyone on the
// way could hand Portlight a registry of their making.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("update-registry: --url %q: want an https URL: %w", raw, ErrUsage)
	}
	return nil
}

// registryTransport carries downloads; nil is http.DefaultTransport. Tests
// set it to trust their own TLS server.
var registryTransport http.RoundTripper

// download GETs an https URL with a timeout and a size limit, following
// redirects only to https.
func download(ctx context.Context, raw string, timeout time.Duration, limit int64) ([]byte, error) {
	if err := checkURL(raw); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, fmt.Errorf("update-registry: %w", err)
	}
	req.Header.Set("User-Agent", "Portlight update-registry")
	req.Header.Set("Accept", "application/xml, text/xml;q=0.9")
	client := &http.Client{Timeout: timeout, Transport: registryTransport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != "https" {
				return fmt.Errorf("redirected to %s, which is not https", req.URL.Redacted())
			}
			if len(via) >= 10 {
				return errors.New("more than 10 redirects")
			}
			return nil
		}}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("update-registry: download %s: no complete answer within %s (nothing stored): %w", raw, timeout, err)
		}
		return nil, fmt.Errorf("update-registry: download %s (nothing stored): %w", raw, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("update-registry: download %s: %s (nothing stored)", raw, resp.Status)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("update-registry: %s is %d bytes, far more than IANA's registry (nothing stored)", raw, resp.ContentLength)
	}
	return readLimited(resp.Body, raw, limit)
}
