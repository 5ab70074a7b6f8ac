// Package config reads the service's settings from the environment, the way the Deployment and
// the test Job pass them.
package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
)

// Config is everything the service needs to start.
type Config struct {
	PostgresHost     string
	PostgresPort     int
	PostgresUser     string
	PostgresPassword string
	PostgresDB       string
	PostgresSSLMode  string
	JWTSecret        string
	ListenAddr       string
}

// FromEnv reads POSTGRES_HOST/PORT/USER/PASSWORD/DB, POSTGRES_SSLMODE, JWT_SECRET and LISTEN_ADDR.
func FromEnv() (Config, error) {
	c := Config{
		PostgresHost:     getenv("POSTGRES_HOST", "localhost"),
		PostgresUser:     getenv("POSTGRES_USER", "workflows"),
		PostgresPassword: os.Getenv("POSTGRES_PASSWORD"),
		PostgresDB:       getenv("POSTGRES_DB", "workflows"),
		PostgresSSLMode:  getenv("POSTGRES_SSLMODE", "disable"),
		JWTSecret:        os.Getenv("JWT_SECRET"),
		ListenAddr:       getenv("LISTEN_ADDR", ":8080"),
	}
	port, err := strconv.Atoi(getenv("POSTGRES_PORT", "5432"))
	if err != nil || port <= 0 || port > 65535 {
		return Config{}, fmt.Errorf("POSTGRES_PORT=%q is not a port number", os.Getenv("POSTGRES_PORT"))
	}
	c.PostgresPort = port
	if len(c.JWTSecret) < 16 {
		return Config{}, fmt.Errorf("JWT_SECRET must be set to at least 16 characters")
	}
	return c, nil
}

// DatabaseURL is the pgx connection string; the password is escaped, never logged.
func (c Config) DatabaseURL() string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(c.PostgresUser, c.PostgresPassword),
		Host:     net.JoinHostPort(c.PostgresHost, strconv.Itoa(c.PostgresPort)),
		Path:     "/" + c.PostgresDB,
		RawQuery: "sslmode=" + url.QueryEscape(c.PostgresSSLMode),
	}
	return u.String()
}

// Address is host:port of the database, for messages.
func (c Config) Address() string {
	return net.JoinHostPort(c.PostgresHost, strconv.Itoa(c.PostgresPort))
}

func getenv(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
