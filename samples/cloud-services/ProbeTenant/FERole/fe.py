"""FERole of the ProbeTenant sample: serves FE_External_Http (:10000) and port 80 (HTTP_Probe and
the InstanceEP instance input endpoint), FE_External_Tcp (:10001), FE_External_Udp (:10002) and
FE_InternalEP_Tcp, each answering with this instance's id. /Probe.aspx answers the code that
/sample/probe?code=N last set (200 at start) and logs who asked (the host's 168.63.129.16).
/sample/be asks every BERole instance's internal endpoints, found through discovery."""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import roleenv  # noqa: E402

probe_code = 200
lock = threading.Lock()


def probe(handler, query):
    roleenv.log("Probe.aspx from", handler.client_address[0], "->", probe_code)
    return probe_code, "probe %d" % probe_code


def set_probe(handler, query):
    global probe_code
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    with lock:
        probe_code = int(params.get("code", "200"))
    roleenv.log("Probe.aspx will answer", probe_code)
    return 200, "Probe.aspx now answers %d" % probe_code


def back_ends(handler, query):
    """Every BERole instance's BE_InternalEP_Http and BE_InternalEP_Tcp answer, one line each."""
    lines = []
    for inst in roleenv.discovery()["roles"].get("BERole", {}).get("instances", []):
        eps = inst["endpoints"]
        http = eps["BE_InternalEP_Http"]
        tcp = eps["BE_InternalEP_Tcp"]
        lines.append("%s http %s:%d -> %s" % (inst["id"], http["ip"], http["port"],
                                              roleenv.get_http(http["ip"], http["port"])))
        lines.append("%s tcp %s:%d -> %s" % (inst["id"], tcp["ip"], tcp["port"],
                                             roleenv.ask_tcp(tcp["ip"], tcp["port"])))
    return 200, "\n".join(lines) + "\n"


def whoami(handler, query):
    return 200, "%s/%s" % (roleenv.SERVICE, roleenv.INSTANCE)


class FrontEnd(roleenv.Handler):
    routes = {"/Probe.aspx": probe, "/sample/probe": set_probe, "/sample/be": back_ends,
              "/sample/whoami": whoami}


roleenv.serve_http(roleenv.endpoint_port("FE_External_Http"), FrontEnd)
roleenv.serve_http(roleenv.endpoint_port("HTTP_Probe"), FrontEnd)  # also InstanceEP's localPort
roleenv.serve_tcp_lines(roleenv.endpoint_port("FE_External_Tcp"))
roleenv.serve_tcp_lines(roleenv.endpoint_port("FE_InternalEP_Tcp"))
roleenv.serve_udp(roleenv.endpoint_port("FE_External_Udp"))
roleenv.run_forever()
