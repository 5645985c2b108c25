package collectors

import (
	"errors"

	"github.com/repmon/repmon/config"
)

func newReddit(src config.Source, c *Client, d Deps) (Collector, error) {
	return nil, errors.New("reddit: collector not built yet")
}
