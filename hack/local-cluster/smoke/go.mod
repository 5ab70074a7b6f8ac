module local/smoke

go 1.24
