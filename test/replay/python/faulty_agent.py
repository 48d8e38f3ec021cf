"""grid_agent with a critic that fails on purpose at its Nth call, as $FAULTY_CRITIC says:
die:N (the process exits), garbage:N (it writes a line that is not the protocol), raise:N (its
code raises), slow:N (it never answers)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grid_agent import CellCritic, make_agent as make_grid_agent  # noqa: E402

MODE, _, AT = os.environ.get("FAULTY_CRITIC", "").partition(":")


class FaultyCritic(CellCritic):
    calls = 0

    def evaluate(self, states):
        FaultyCritic.calls += 1
        if MODE and FaultyCritic.calls >= int(AT):
            sys.stderr.write("faulty critic: %s at call %d\n" % (MODE, FaultyCritic.calls))
            sys.stderr.flush()
            if MODE == "die":
                os._exit(7)
            if MODE == "garbage":
                os.write(1, b"<html>not the protocol</html>\n")
            if MODE == "raise":
                raise ValueError("the critic cannot evaluate these states")
            if MODE == "slow":
                time.sleep(600)
        return super().evaluate(states)


def make_agent(context):
    return [c if c.role != "critic" else FaultyCritic() for c in make_grid_agent(context)]
