package locate

import (
	"testing"

	qt "github.com/frankban/quicktest"
	"github.com/matryer/is"
	. "github.com/onsi/gomega"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
)

// Two plain checks fail: the first is the cause.
func TestTwoChecks(t *testing.T) {
	if got := Total(nil); got != 1 {
		t.Errorf("Total(nil) = %d, want 1", got)
	}
	t.Log("checking the next case")
	if Total([]int{2}) != 3 {
		t.Error("Total([2]) != 3")
	}
}

// testify: every failed assertion prints an Error Trace block.
func TestTestifyChecks(t *testing.T) {
	order := Order{ID: "o-2", Status: "draft"}
	t.Log("loaded the order")
	assert.Equal(t, "active", order.Status, "status after submit")
	assert.Len(t, order.Items, 2)
	require.NoError(t,
		Validate(Order{}),
		"an order without ID should validate")
	t.Log("not reached")
}

type OrderSuite struct{ suite.Suite }

func (s *OrderSuite) TestSuiteChecks() {
	s.T().Log("in the suite")
	s.Equal(3, Total([]int{1, 1}))
	s.Require().NoError(Validate(Order{}))
}

// testify's suite: methods on the suite and on s.Require().
func TestOrderSuite(t *testing.T) { suite.Run(t, new(OrderSuite)) }

// matryer/is.
func TestIsChecks(t *testing.T) {
	is := is.NewRelaxed(t)
	t.Log("relaxed: every check runs")
	is.Equal(Total([]int{1}), 2) // the total of one item
	is.True(Validate(Order{ID: "o-3"}) != nil)
}

// gomega, with the matcher on the line after Expect.
func TestGomegaChecks(t *testing.T) {
	g := NewWithT(t)
	t.Log("gomega")
	g.Expect(Total([]int{1, 2})).
		To(Equal(4), "the total of two items")
}

// quicktest: Check goes on, Assert stops.
func TestQuicktestChecks(t *testing.T) {
	c := qt.New(t)
	c.Log("quicktest")
	c.Check(Total(nil), qt.Equals, 1)
	c.Assert(Validate(Order{}), qt.IsNil)
}
