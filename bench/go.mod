module github.com/repmon/repmon/bench

go 1.26.8

require (
	github.com/jonreiter/govader v0.0.0-20250429093935-f6505c8d03cc
	github.com/repmon/repmon v0.0.0-00010101000000-000000000000
)

require gonum.org/v1/gonum v0.8.2 // indirect

replace github.com/repmon/repmon => ../
