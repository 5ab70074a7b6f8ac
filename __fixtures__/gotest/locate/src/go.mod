module example.com/locate

go 1.25.0

require (
	github.com/matryer/is v1.4.1
	github.com/onsi/gomega v1.44.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/google/go-cmp v0.7.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.56.0 // indirect
	golang.org/x/text v0.38.0 // indirect
)
