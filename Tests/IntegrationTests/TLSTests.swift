import Curl
import Foundation
import Testing

/// TLS verification cannot be turned off by accident: a self-signed server is refused unless its
/// certificate is given explicitly as the CA file. The server is Python's `ssl` over loopback with a
/// certificate made by `openssl` for this test.
@Suite("TLS verification")
struct TLSTests {
    static let serverScript = """
        import http.server, os, signal, ssl, sys
        signal.alarm(60)  # never outlive the test
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b'{"object":"page","data":[],"has_more":false,"next_page":null}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        with open(sys.argv[3] + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(sys.argv[3] + ".tmp", sys.argv[3])
        for _ in range(2):  # the refused handshake, then the trusted request
            server.handle_request()
        """

    static func run(_ tool: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardError = FileHandle.nullDevice
        return process
    }

    @Test func selfSignedServerIsRefusedUnlessItsCertificateIsTheCAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("usage-etl-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = try Self.run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                                               "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert])
        openssl.standardOutput = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0, "openssl could not make a test certificate")

        let script = directory.appendingPathComponent("server.py")
        try Self.serverScript.write(to: script, atomically: true, encoding: .utf8)
        let portFile = directory.appendingPathComponent("port").path
        let server = try Self.run("python3", [script.path, cert, key, portFile])
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        var portText: String? = nil
        for _ in 0..<500 where portText == nil {
            portText = try? String(contentsOfFile: portFile, encoding: .utf8)
            if portText == nil { usleep(20_000) }
        }
        let port = try #require(portText, "the TLS test server did not start")
        let url = "https://127.0.0.1:\(port)/v1/organization/costs"

        // Default configuration: the self-signed certificate is not trusted.
        do {
            _ = try HTTPClient().get(url)
            Issue.record("a self-signed server was accepted without a CA file")
        } catch let error as CurlError {
            #expect(error.kind == .tls, "\(error)")
            #expect(!error.isTransient, "a TLS failure is not retried")
        }
        // With its certificate given explicitly as the CA file, the same server is trusted.
        let trusted = HTTPClient(configuration: HTTPClientConfiguration(caFile: cert))
        #expect(try trusted.get(url).status == 200)
    }
}
