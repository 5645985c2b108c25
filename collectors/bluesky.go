package collectors

import (
	"errors"

	"github.com/repmon/repmon/config"
)

func newBluesky(src config.Source, c *Client, d Deps) (Collector, error) {
	return nil, errors.New("bluesky: collector not built yet")
}
