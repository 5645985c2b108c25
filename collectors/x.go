package collectors

import (
	"errors"

	"github.com/repmon/repmon/config"
)

func newX(src config.Source, c *Client, d Deps) (Collector, error) {
	return nil, errors.New("x: collector not built yet")
}
