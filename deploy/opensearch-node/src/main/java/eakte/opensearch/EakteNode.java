package eakte.opensearch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node with the HTTP transport (netty4) and the common analysers (German
 * stemmer, dictionary decompounder) loaded from the classpath, as OpenSearch's own test
 * framework starts its nodes; no plugin directories, no security manager, no bootstrap checks.
 *
 * Usage: EakteNode HOME [HTTP_PORT]. HOME holds data/ and logs/; the node binds 127.0.0.1 on
 * HTTP_PORT (0 or absent: a free one) and writes the bound port to HOME/http.port once it
 * is started, which is how the tests find it. It stops on SIGTERM (a shutdown hook closes it)
 * and when its standard input ends: the tests hold a pipe to it, so a test run that dies
 * without stopping its node still ends it.
 */
public final class EakteNode extends Node {

    private EakteNode(Environment environment) {
        super(environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class), true);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: EakteNode HOME [HTTP_PORT]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String port = args.length > 1 ? args[1] : "0";
        Files.createDirectories(home.resolve("config"));
        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "eakte-test")
            .put("node.name", "eakte-node")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", port)
            .put("transport.port", "0")
            // a test machine's disk may be fuller than the default watermarks allow
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("logger.level", "WARN")
            .build();
        LogConfigurator.configureWithoutConfig(settings);
        Environment environment =
            InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "eakte-node");
        EakteNode node = new EakteNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "eakte-node-shutdown"));
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // nothing is sent; the end of input is the signal
                }
            } catch (IOException e) {
                // a broken pipe ends the input as well
            }
            System.exit(0);
        }, "eakte-node-stdin");
        watcher.setDaemon(true);
        watcher.start();
        node.start();
        int bound = node.injector().getInstance(HttpServerTransport.class)
            .boundAddress().publishAddress().getPort();
        Path written = home.resolve("http.port.tmp");
        Files.writeString(written, Integer.toString(bound), StandardCharsets.US_ASCII);
        Files.move(written, home.resolve("http.port"), StandardCopyOption.ATOMIC_MOVE);
        System.out.println("eakte-node: HTTP on 127.0.0.1:" + bound);
        stopped.await();
    }
}
