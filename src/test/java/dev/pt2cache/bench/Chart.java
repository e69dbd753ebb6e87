package dev.pt2cache.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** Lookup throughput against concurrency, service beside floor: a PNG drawn with Java2D. */
final class Chart {

  private static final int W = 900;
  private static final int H = 520;
  private static final int LEFT = 80;
  private static final int RIGHT = 220;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;

  private Chart() {}

  /** series name -> points (concurrency, requests per second), all sharing the concurrencies. */
  static void lookups(Map<String, List<double[]>> series, Path png) throws Exception {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    double maxX = 0;
    double minY = Double.MAX_VALUE;
    double maxY = 0;
    for (List<double[]> points : series.values()) {
      for (double[] p : points) {
        maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, p[1]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    // a log scale: the floors are often ten or more times the service, which a linear axis flattens
    int lowDecade = (int) Math.floor(Math.log10(Math.max(minY, 1)));
    int highDecade = Math.max((int) Math.ceil(Math.log10(Math.max(maxY, 1))), lowDecade + 1);
    Scale scale = new Scale(lowDecade, highDecade, H - BOTTOM, H - TOP - BOTTOM);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(
        "Lookups per second against concurrency (service beside PostgreSQL floor)", LEFT, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int plotW = W - LEFT - RIGHT;
    g.drawLine(LEFT, H - BOTTOM, LEFT + plotW, H - BOTTOM);
    g.drawLine(LEFT, TOP, LEFT, H - BOTTOM);
    for (int decade = lowDecade; decade <= highDecade; decade++) {
      for (int step : new int[] {1, 2, 5}) {
        double y = step * Math.pow(10, decade);
        if (y > Math.pow(10, highDecade)) {
          break;
        }
        int py = scale.y(y);
        g.setColor(step == 1 ? new Color(210, 210, 210) : new Color(240, 240, 240));
        g.drawLine(LEFT + 1, py, LEFT + plotW, py);
        g.setColor(Color.BLACK);
        g.drawString(String.format("%,.0f", y), 10, py + 4);
      }
    }
    g.drawString("requests per second (log scale)", 10, TOP - 8);
    List<double[]> any = series.values().iterator().next();
    for (double[] p : any) {
      int px = x(p[0], maxX, plotW);
      g.drawString(String.format("%.0f", p[0]), px - 6, H - BOTTOM + 18);
    }
    g.drawString("concurrent clients (log scale)", LEFT + plotW / 2 - 80, H - 15);
    Color[] colors = {
      new Color(31, 119, 180),
      new Color(255, 127, 14),
      new Color(44, 160, 44),
      new Color(214, 39, 40)
    };
    int legend = 0;
    for (Map.Entry<String, List<double[]>> s : series.entrySet()) {
      Color color = colors[legend % colors.length];
      boolean floor = s.getKey().contains("floor");
      g.setColor(color);
      g.setStroke(
          floor
              ? new BasicStroke(
                  2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0)
              : new BasicStroke(2.5f));
      int[] xs = new int[s.getValue().size()];
      int[] ys = new int[s.getValue().size()];
      for (int i = 0; i < xs.length; i++) {
        double[] p = s.getValue().get(i);
        xs[i] = x(p[0], maxX, plotW);
        ys[i] = scale.y(p[1]);
        g.fillOval(xs[i] - 3, ys[i] - 3, 6, 6);
      }
      g.drawPolyline(xs, ys, xs.length);
      int ly = TOP + 20 + legend * 22;
      g.drawLine(W - RIGHT + 20, ly, W - RIGHT + 50, ly);
      g.setColor(Color.BLACK);
      g.drawString(s.getKey(), W - RIGHT + 58, ly + 4);
      legend++;
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  private static int x(double concurrency, double maxX, int plotW) {
    return LEFT + 20 + (int) ((plotW - 40) * Math.log(concurrency) / Math.log(Math.max(maxX, 2)));
  }

  /** Requests per second to a pixel row, by decades from {@code low} to {@code high}. */
  private record Scale(int low, int high, int bottom, int height) {
    int y(double value) {
      double decades = Math.log10(Math.max(value, 1)) - low;
      return bottom - (int) (height * decades / (high - low));
    }
  }
}
