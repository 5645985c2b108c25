package collectors

import (
	"errors"

	"github.com/repmon/repmon/config"
)

func newMastodon(src config.Source, c *Client, d Deps) (Collector, error) {
	return nil, errors.New("mastodon: collector not built yet")
}
